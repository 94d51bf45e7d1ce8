"""The end of `make demo`: its table, the range measured on the machines
tried, and the floor check; the README says what the demo prints."""
import os.path as osp

import pytest

from tests.helpers import REPO
from tests.helpers.scripts import load_script

DEMO = load_script('demo/synthetic_demo.py')
KEYS = DEMO.METRIC_KEYS
# The table of the README (a 2-core AMD EPYC) and the random row.
README_ROW = dict(zip(KEYS, (80.1, 93.6, 96.2, 76.7, 58.5)))
CHANCE = dict(zip(KEYS, (1.9, 7.1, 11.5, 3.1, 1.7)))
PAGES = ('README.md', osp.join('docs', 'en', 'get_started.md'))


def _report(metrics, capsys):
    status = DEMO.report(metrics, CHANCE, 'title', 'files', 140)
    out, err = capsys.readouterr()
    return status, out, err


def test_demo_prints_the_table_the_range_and_passes_the_floor(capsys):
    status, out, err = _report(README_ROW, capsys)
    assert status == 0 and err == ''
    assert '| DRANet (demo) | 80.1 | 93.6 | 96.2 | 76.7 | 58.5 |' in out
    assert '| random embeddings | 1.9 | 7.1 | 11.5 | 3.1 | 1.7 |' in out
    assert ('Expected: R1 80.1-84.0, mAP 76.7-78.3 on the machines tried '
            '(2-core AMD EPYC: 80.1 / 76.7 in 218 s, 2-core Intel Xeon: '
            '84.0 / 78.3 in 227 s).') in out
    assert 'Check passed: R1 80.1 >= 70, mAP 76.7 >= 60.' in out
    assert len(out.splitlines()) < 20


@pytest.mark.parametrize('key', ['R1', 'mAP'])
def test_below_the_floor_the_demo_fails_with_a_message(key, capsys):
    metrics = dict(README_ROW, **{key: DEMO.FLOOR[key] - 0.5})
    status, out, err = _report(metrics, capsys)
    assert status == 1
    assert f'FAILED: {key} {DEMO.FLOOR[key] - 0.5:.1f} < ' \
           f'{DEMO.FLOOR[key]:.0f}.' in err
    assert 'Check passed' not in out


def test_every_machine_tried_clears_the_floor_far_above_chance():
    for _, r1, mean_ap, _ in DEMO.MEASURED:
        assert DEMO.below_floor(dict(R1=r1, mAP=mean_ap)) == []
    assert DEMO.FLOOR['R1'] > 10 * CHANCE['R1']
    assert DEMO.FLOOR['mAP'] > 10 * CHANCE['mAP']


@pytest.mark.parametrize('page', PAGES)
def test_the_pages_quote_the_demo_output(page, capsys):
    with open(osp.join(REPO, page)) as f:
        text = f.read()
    _, out, _ = _report(README_ROW, capsys)
    table = [line for line in out.splitlines() if line.startswith('|')]
    assert '\n'.join(table) in text
    expected = next(line for line in out.splitlines()
                    if line.startswith('Expected: '))
    assert expected.split(').')[0] in text  # the range and the machines
    assert 'Check passed: R1 80.1 >= 70, mAP 76.7 >= 60.' in text
    assert 'R1 >= 70 and mAP >= 60' in text
    for name, r1, mean_ap, seconds in DEMO.MEASURED:
        assert f'{name}: {r1:.1f} / {mean_ap:.1f} in {seconds} s' in text
