# Table 4 'Baseline+RCAM': reverse channel attention only.
_base_ = ['./dranet_r50_market.py']

model = dict(neck=dict(use_rsam=False))
