# Table 4 'Baseline': part split + CIC + SIC, trained by loss_sic alone.
_base_ = ['./dranet_r50_market.py']

model = dict(neck=dict(use_rcam=False, use_rsam=False))
