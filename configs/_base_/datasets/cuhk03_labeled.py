# CUHK03-NP (new protocol, 767/700 identities) as downloaded:
#   data/cuhk03/cuhk03-np/labeled/{bounding_box_train,query,bounding_box_test}
_base_ = ['./market1501.py']

dataset_type = 'CUHK03'
data_root = 'data/cuhk03/cuhk03-np'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, subset='labeled'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, subset='labeled'))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, subset='labeled'))
