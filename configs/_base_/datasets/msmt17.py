# MSMT17 as downloaded: data/msmt17/MSMT17_V1/ with list_{train,val,query,
# gallery}.txt and train/ + test/ (V2: mask_train_v2/ + mask_test_v2/,
# found automatically). Training uses train + val, as is usual.
_base_ = ['./market1501.py']

dataset_type = 'MSMT17'
data_root = 'data/msmt17/MSMT17_V1'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, merge_val=True))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
