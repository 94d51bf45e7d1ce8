# Cross-domain (direct transfer): train on DukeMTMC-reID, test on
# Market-1501, the standard generalisation protocol.
_base_ = ['./dranet_r50_duke.py']

val_dataloader = dict(
    dataset=dict(type='Market1501',
                 data_root='data/market1501/Market-1501-v15.09.15'))
test_dataloader = val_dataloader
