# Adam variant of the recipe (BoT style): lr 3.5e-4, warm-up over 10 epochs.
_base_ = ['./sgd_60e_warmup.py']

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Adam', lr=3.5e-4, weight_decay=5e-4))
