# Table 4 'Baseline+RSAM': reverse spatial attention only.
_base_ = ['./dranet_r50_market.py']

model = dict(neck=dict(use_rcam=False))
