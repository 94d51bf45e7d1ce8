# DukeMTMC-reID as downloaded: data/dukemtmc-reid/DukeMTMC-reID/
#   bounding_box_train/  query/  bounding_box_test/
_base_ = ['./market1501.py']

dataset_type = 'DukeMTMCReID'
data_root = 'data/dukemtmc-reid/DukeMTMC-reID'

train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
