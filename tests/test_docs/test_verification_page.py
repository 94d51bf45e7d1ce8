"""The runnable block of docs/en/user_guides/verification.md runs and says
what the page says, on a tiny model in a folder with the page's paths
(the threshold calibrated by the documented tool on that model's
embeddings of the synthetic test split)."""
import contextlib
import io
import os

import numpy as np

from tests.helpers.scripts import load_script
from tests.helpers.tiny_model import TINY_CONFIG, save_tiny_checkpoint

PAGE = 'docs/en/user_guides/verification.md'
CONFIG = 'configs/dranet/dranet_demo_synthetic.py'
CHECKPOINT = 'work_dirs/dranet_demo_synthetic/epoch_24.pth'


def prepare(root, synthetic_market_root):
    os.makedirs(root / 'configs' / 'dranet')
    (root / CONFIG).write_text(f'_base_ = [{TINY_CONFIG!r}]\n')
    os.makedirs(root / 'work_dirs' / 'dranet_demo_synthetic')
    save_tiny_checkpoint(str(root / CHECKPOINT))
    os.makedirs(root / 'data')
    os.symlink(synthetic_market_root, root / 'data' / 'synthetic_market')


def test_search_and_verify_block(tmp_path, synthetic_market_root, read_doc,
                                 code_blocks):
    from mmreid_dranet.apis import ReIDInferencer
    from mmreid_dranet.datasets import Market1501
    from mmreid_dranet.evaluation import save_features
    prepare(tmp_path, synthetic_market_root)
    (code, line), = [(code, line) for _, code, runnable, line in
                     code_blocks(read_doc(PAGE)) if runnable]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        # The page's tools/test.py --out, as its embeddings: the same
        # model, the test split with its ids (the tiny split is too small
        # for 1e-3, hence 0.2).
        inferencer = ReIDInferencer(CONFIG, CHECKPOINT, device='cpu')
        sides = {}
        for part in ('query', 'gallery'):
            items = Market1501('data/synthetic_market',
                               split=part).load_part(part)
            feats = inferencer([i.img_path for i in items])['embeddings']
            sides[part] = (feats, [i.pid for i in items],
                           [i.camid for i in items])
        npz = save_features(
            'work_dirs/demo_feats.npz', sides['query'][0],
            sides['gallery'][0], sides['query'][1], sides['gallery'][1],
            sides['query'][2], sides['gallery'][2],
            provenance=inferencer.provenance)
        load_script('tools/analysis_tools/calibrate_threshold.py').main(
            [npz, '--fpr', '0.2', '--out', 'work_dirs/threshold.json'])
        namespace, printed = {'__name__': '__docs__'}, io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f'{PAGE}:{line}', 'exec'), namespace)
    finally:
        os.chdir(cwd)
    result = namespace['result']
    no_match, verdict_line = printed.getvalue().strip().splitlines()
    assert no_match == (f'{int(result.no_match.sum())} of '
                        f'{len(result.no_match)} queries: no match '
                        '(FPR 2e-1)')
    verdict = namespace['verdict']
    assert verdict_line.startswith(f'distance {verdict.distance:.4f}: ')
    assert verdict.same == (verdict.distance <= verdict.max_distance)
    # Kept results are within the threshold, the rest is padding.
    kept = result.indices >= 0
    assert np.all(result.distances[kept] <= verdict.max_distance)
