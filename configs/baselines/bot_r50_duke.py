# BoT baseline, ResNet-50 (last stride 1), DukeMTMC-reID, 256x128: the
# Market recipe on the Duke data.
_base_ = ['./bot_r50_market.py']

dataset_type = 'DukeMTMCReID'
data_root = 'data/dukemtmc-reid/DukeMTMC-reID'

train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
