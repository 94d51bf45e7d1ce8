# The DRANet losses are plain (label-smoothed) cross-entropies, computed in
# the heads with torch.nn.functional.cross_entropy: no custom loss module.
