# CUHK03-NP, boxes of the person detector:
#   data/cuhk03/cuhk03-np/detected/{bounding_box_train,query,bounding_box_test}
_base_ = ['./cuhk03_labeled.py']

train_dataloader = dict(dataset=dict(subset='detected'))
val_dataloader = dict(dataset=dict(subset='detected'))
test_dataloader = dict(dataset=dict(subset='detected'))
