"""Problems and plain reference evaluators of the evaluation benchmarks.

The synthetic problems at Market-1501 and MSMT17 size, and two evaluators
written the plain way, independently of the package (they restate the
protocol on purpose: a reference must not share the code it checks): the
toolboxes' full-argsort evaluator and a stable-argsort per-query scorer.
Used by ``bench_eval.py`` and ``bench_gpu.py``.
"""
import numpy as np
import torch

SIZES = {
    'market': dict(num_query=3368, num_gallery=15913, num_ids=750,
                   num_distractors=2793, num_cams=6, noise=2.2),
    'msmt17': dict(num_query=11659, num_gallery=82161, num_ids=3060,
                   num_distractors=0, num_cams=15, noise=3.0),
}
QUICK_SIZES = {
    'market': dict(num_query=600, num_gallery=3000, num_ids=150,
                   num_distractors=500, num_cams=6, noise=2.2),
    'msmt17': dict(num_query=1200, num_gallery=12000, num_ids=400,
                   num_distractors=0, num_cams=15, noise=3.0),
}


def make_problem(num_query, num_gallery, num_ids, num_distractors, num_cams,
                 noise, dim=2048, camera_shift=0.35, seed=0, random=False):
    """Synthetic embeddings: each identity a random centre (unit-variance
    entries), each image its centre plus a shift of its camera plus
    ``noise`` x gaussian noise, so that scores look like a trained model's
    (Market size, noise 2.2: R1 96, mAP 68, mINP 16; MSMT17 size, noise 3.0:
    mAP ~ 55, mINP ~ 2, a hard case for the ranking); distractors (pid 0) are
    noise only; ``random``: every feature pure gaussian noise (labels
    unchanged). Built block by block into preallocated float32 tensors
    (small temporaries, so ``ru_maxrss`` after it is the features)."""
    gen = torch.Generator().manual_seed(seed)
    centers = torch.randn(num_ids + 1, dim, generator=gen)
    shifts = camera_shift * torch.randn(num_cams, dim, generator=gen)
    q_pids = torch.randint(1, num_ids + 1, (num_query,), generator=gen)
    g_pids = torch.randint(1, num_ids + 1, (num_gallery,), generator=gen)
    g_pids[:num_distractors] = 0
    q_cams = torch.randint(0, num_cams, (num_query,), generator=gen)
    g_cams = torch.randint(0, num_cams, (num_gallery,), generator=gen)

    def embed(pids, cams, block=512):
        out = torch.empty(len(pids), dim)
        for s in range(0, len(pids), block):
            p = pids[s:s + block]
            out[s:s + block] = noise * torch.randn(len(p), dim,
                                                   generator=gen)
            if not random:
                out[s:s + block] += (centers[p] * (p != 0).unsqueeze(1) +
                                     shifts[cams[s:s + block]])
        return out

    return (embed(q_pids, q_cams), embed(g_pids, g_cams), q_pids, g_pids,
            q_cams, g_cams)


def torch_distance(q_feats, g_feats):
    """The whole distance matrix as torchreid computes it: torch's addmm
    (MKL on the CPU)."""
    norms = (q_feats.pow(2).sum(1, keepdim=True) +
             g_feats.pow(2).sum(1).unsqueeze(0))
    return torch.addmm(norms, q_feats, g_feats.t(), alpha=-2)


def plain_evaluate(q_feats, g_feats, q_pids, g_pids, q_cams, g_cams,
                   topk=(1, 5, 10), block=256, distance=torch_distance):
    """The toolboxes' way: whole distance matrix, argsort all of it, then
    junk removal and CMC / AP / INP (vectorised per block of queries)."""
    dist = distance(q_feats, g_feats).numpy()  # one matmul
    indices = np.argsort(dist, axis=1)
    q_pids, g_pids = q_pids.numpy(), g_pids.numpy()
    q_cams, g_cams = q_cams.numpy(), g_cams.numpy()
    first, aps, inps = [], [], []
    for s in range(0, len(q_pids), block):
        order = indices[s:s + block]
        same_pid = g_pids[order] == q_pids[s:s + block, None]
        keep = ~(same_pid & (g_cams[order] == q_cams[s:s + block, None]))
        matches = same_pid & keep
        rank = np.cumsum(keep, axis=1)
        hits = np.cumsum(matches, axis=1)
        count = hits[:, -1]
        valid = count > 0
        precision = np.where(matches, hits / np.maximum(rank, 1), 0)
        aps.append((precision.sum(1) / np.maximum(count, 1))[valid])
        first_pos = np.argmax(matches, axis=1)
        first.append(rank[np.arange(len(order)), first_pos][valid])
        last_pos = matches.shape[1] - 1 - np.argmax(matches[:, ::-1], axis=1)
        inps.append((count / rank[np.arange(len(order)), last_pos])[valid])
    first, aps, inps = map(np.concatenate, (first, aps, inps))
    result = {f'R{k}': float(np.mean(first <= k) * 100) for k in topk}
    result.update(mAP=float(aps.mean() * 100), mINP=float(inps.mean() * 100))
    return result


def stable_argsort_scores(distance_block, q_pids, g_pids, q_cams, g_cams):
    """Per-query AP and first-match rank from a stable argsort of each row
    (the reference the evaluation must equal, ties included)."""
    dist = distance_block(0, len(q_pids)).numpy()
    order = np.argsort(dist, axis=1, kind='stable')
    q_pids, g_pids = q_pids.numpy(), g_pids.numpy()
    q_cams, g_cams = q_cams.numpy(), g_cams.numpy()
    same_pid = g_pids[order] == q_pids[:, None]
    keep = ~(same_pid & (g_cams[order] == q_cams[:, None]))
    matches = same_pid & keep
    rank = np.cumsum(keep, axis=1)
    hits = np.cumsum(matches, axis=1)
    count = hits[:, -1]
    with np.errstate(invalid='ignore', divide='ignore'):
        ap = np.where(matches, hits / np.maximum(rank, 1), 0).sum(1) / count
    first_pos = np.argmax(matches, axis=1)
    first = np.where(count > 0, rank[np.arange(len(order)), first_pos], 0)
    return ap, first
