"""The verification rows of ``bench_eval.py``: ``evaluate_verification``
(ROC, AUC, EER, TPR at FPR 1e-4 / 1e-3 / 1e-2 over all query-gallery pairs)
against the bare chunked distance product of the same run, and the plain
call's memory beyond the features in a fresh process (``bench_eval.py``'s
``--child`` measurement, mode ``verification``)."""
import time
import warnings

from mmreid_dranet.evaluation import evaluate_verification
from mmreid_dranet.evaluation.functional.inputs import squared_norms
from mmreid_dranet.evaluation.functional.products import product_choice
from mmreid_dranet.evaluation.functional.retrieval import \
    DEFAULT_BLOCK_ELEMENTS


def quiet_verification(*problem):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return evaluate_verification(*problem)


def bench_verification(rows, size, name, repeats, make_problem, bare_matmul,
                       measure_in_child):
    """One row: the verification's median time over the bare product's
    (the product the process chose, same chunks), and its memory."""
    problem = make_problem(**size)
    q_feats, g_feats = problem[:2]
    chunk = max(1, DEFAULT_BLOCK_ELEMENTS // len(g_feats))
    g_norms = squared_norms(g_feats)
    chosen = product_choice().product
    arrays = tuple(t.numpy() for t in problem)
    t_product, t_verify = [], []
    for _ in range(repeats):  # interleaved: both see the same load
        start = time.perf_counter()
        bare_matmul(q_feats, g_feats, g_norms, chunk, chosen)
        t_product.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = quiet_verification(*arrays)
        t_verify.append(time.perf_counter() - start)
    del problem, arrays, q_feats, g_feats
    memory = measure_in_child(size, 'verification')[0]
    product, verify = sorted(t_product)[len(t_product) // 2], sorted(
        t_verify)[len(t_verify) // 2]
    shape = f"{size['num_query']} x {size['num_gallery']}"
    metrics = result.metrics()
    rows.append((f'{name} {shape}: bare chunked product ({chosen})',
                 product, '', ''))
    rows.append((
        f'{name} {shape}: evaluate_verification', verify,
        f'{verify / product:.2f} x the product',
        f"{result.num_negative_pairs} negative pairs; TPR@FPR=1e-3 "
        f"{metrics['TPR@FPR=1e-3']:.2f}, AUC {metrics['AUC']:.2f}, EER "
        f"{metrics['EER']:.2f}; {len(result.fpr)} ROC corners; plain call "
        f"in a fresh process: {memory['extra_mib']:.0f} MiB beyond the "
        f"features ({memory['seconds']:.1f} s)"))
