# DRANet + a batch-hard triplet loss (margin 0.3, euclidean) on the test
# embedding (all parts concatenated), beside the paper's three softmax losses.
_base_ = ['./dranet_r50_market.py']

model = dict(head=dict(loss_metric=dict(type='TripletLoss', margin=0.3)))
