# Cross-domain (direct transfer): train on Market-1501, test on
# DukeMTMC-reID, the standard generalisation protocol.
_base_ = ['./dranet_r50_market.py']

val_dataloader = dict(
    dataset=dict(type='DukeMTMCReID',
                 data_root='data/dukemtmc-reid/DukeMTMC-reID'))
test_dataloader = val_dataloader
