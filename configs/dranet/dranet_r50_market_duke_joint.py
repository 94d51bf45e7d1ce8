# DRANet trained on Market-1501 + DukeMTMC-reID together (751 + 702 = 1453
# identities, labels and cameras kept apart by JointReIDDataset), tested on
# Market-1501. Each data_root is set here: --data-root cannot point two data
# sets at one folder.
_base_ = ['./dranet_r50_market.py']

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='JointReIDDataset',
        datasets=[
            dict(type='Market1501',
                 data_root='data/market1501/Market-1501-v15.09.15'),
            dict(type='DukeMTMCReID',
                 data_root='data/dukemtmc-reid/DukeMTMC-reID'),
        ],
        pipeline={{_base_.train_pipeline}}))
