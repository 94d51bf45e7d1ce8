"""demo/search_demo.py: a query image against a folder (flat or of
identity folders) or a saved gallery; frames coloured when the truth is
known."""
import os
import os.path as osp
import shutil

import cv2
import pytest

from mmreid_dranet.apis import ReIDGallery
from mmreid_dranet.visualization.ranked_list import (MATCH_COLOR,
                                                     MISMATCH_COLOR,
                                                     QUERY_COLOR,
                                                     UNKNOWN_COLOR,
                                                     RankListLayout)
from tests.helpers.pixels import frame_colors
from tests.helpers.scripts import load_script

demo = load_script('demo/search_demo.py')


def printed_rows(text):
    """(distance, identity label or '', path) of each printed result."""
    rows = [line.split() for line in text.splitlines()
            if line[:3].strip().isdigit()]
    return [(float(row[1]), ' '.join(row[2:-1]), row[-1]) for row in rows]


def printed_results(text):
    return [(dist, path) for dist, _, path in printed_rows(text)]


def expected_frames(labels, identity):
    return [QUERY_COLOR] + [MATCH_COLOR if label == identity else
                            MISMATCH_COLOR for label in labels]


def test_search_demo_on_a_folder_then_on_the_saved_gallery(
        tiny, tiny_checkpoint, inferencer, synthetic_market_root, tmp_path,
        capsys):
    folder = osp.join(synthetic_market_root, 'bounding_box_test')
    query = osp.join(synthetic_market_root, 'query', sorted(
        os.listdir(osp.join(synthetic_market_root, 'query')))[0])
    picture_file = str(tmp_path / 'result.png')
    saved = str(tmp_path / 'gallery.npz')
    options = [query, folder, tiny.TINY_CONFIG, tiny_checkpoint, '--topk',
               '4', '--device', 'cpu']
    demo.main(options + ['--out', picture_file, '--save-gallery', saved])
    first = printed_results(capsys.readouterr().out)
    # The same ranking as the API on the same model (default test_cfg).
    from mmreid_dranet.apis import ReIDInferencer
    plain = ReIDInferencer(tiny.TINY_CONFIG, tiny_checkpoint, device='cpu')
    gallery = ReIDGallery.from_folder(plain, folder)
    expected = gallery.search(plain(query)['embeddings'], topk=4)
    assert [p for _, p in first] == expected.paths[0]
    assert [d for d, _ in first] == pytest.approx(
        expected.distances[0].tolist(), abs=1e-4)
    picture = cv2.imread(picture_file)
    assert picture.shape == RankListLayout().canvas_size(4) + (3, )
    assert frame_colors(picture, 5, RankListLayout()) == [
        QUERY_COLOR] + [UNKNOWN_COLOR] * 4
    # The saved gallery gives the same answer without re-embedding.
    demo.main([query, saved] + options[2:])
    printed = capsys.readouterr().out
    assert printed_results(printed) == first
    assert 'frames grey: the gallery has no identities' in printed


def test_search_demo_on_identity_folders_colours_the_frames(
        tiny, tiny_checkpoint, identity_root, tmp_path, capsys):
    gallery_dir = osp.join(identity_root, 'gallery')
    query_dir = osp.join(identity_root, 'query', 'ben_0043')
    query = osp.join(query_dir, sorted(os.listdir(query_dir))[0])
    picture_file = str(tmp_path / 'named.png')
    saved = str(tmp_path / 'named_gallery.npz')
    model = [tiny.TINY_CONFIG, tiny_checkpoint, '--topk', '50', '--device',
             'cpu']
    demo.main([query, gallery_dir] + model +
              ['--out', picture_file, '--save-gallery', saved])
    printed = capsys.readouterr().out
    rows = printed_rows(printed)
    # Every gallery image is listed with the name of its identity folder.
    num_gallery = sum(len(files) for _, _, files in os.walk(gallery_dir))
    assert len(rows) == num_gallery
    labels = [label for _, label, _ in rows]
    assert labels == [osp.basename(osp.dirname(p)) for _, _, p in rows]
    # The query's identity comes from its folder; the frames are green for
    # ben_0043's images, red for the others.
    hits = labels.count('ben_0043')
    assert 0 < hits < len(labels)
    assert (f'query identity ben_0043 (its folder): {hits} of the top '
            f'{len(labels)} are of it') in printed
    picture = cv2.imread(picture_file)
    layout = RankListLayout()
    assert picture.shape == layout.canvas_size(len(rows), True) + (3, )
    assert frame_colors(picture, len(rows) + 1, layout) == expected_frames(
        labels, 'ben_0043')
    # The saved gallery keeps the names: --query-id picks another identity.
    demo.main([query, saved] + model + ['--out', picture_file, '--query-id',
                                        'alice'])
    printed = capsys.readouterr().out
    assert printed_rows(printed) == rows
    assert 'query identity alice (--query-id)' in printed
    assert frame_colors(cv2.imread(picture_file), len(rows) + 1,
                        layout) == expected_frames(labels, 'alice')
    # A person the gallery does not hold: the truth is known, all red.
    demo.main([query, saved] + model + ['--out', picture_file, '--query-id',
                                        'zed'])
    assert 'not in the gallery: every frame red' in capsys.readouterr().out
    assert frame_colors(cv2.imread(picture_file), len(rows) + 1,
                        layout) == [QUERY_COLOR] + [MISMATCH_COLOR] * len(rows)
    # A query outside an identity folder, no option: unknown, grey, and
    # the printout says how to colour them.
    loose = str(tmp_path / 'loose' / 'query.jpg')
    os.makedirs(osp.dirname(loose))
    shutil.copy(query, loose)
    demo.main([loose, saved] + model + ['--out', picture_file])
    assert 'pass --query-id NAME' in capsys.readouterr().out
    assert frame_colors(cv2.imread(picture_file), len(rows) + 1,
                        layout) == [QUERY_COLOR] + [UNKNOWN_COLOR] * len(rows)


def test_search_demo_labelled_npz_without_names_uses_pids(
        tiny, tiny_checkpoint, test_out_npz, synthetic_market_root, tmp_path,
        capsys):
    """A tools/test.py --out file of integer identities: labels 'pid N',
    --query-id N colours the frames."""
    query_dir = osp.join(synthetic_market_root, 'query')
    query = osp.join(query_dir, sorted(os.listdir(query_dir))[0])
    pid = int(osp.basename(query).split('_')[0])
    picture_file = str(tmp_path / 'pids.png')
    demo.main([query, test_out_npz, tiny.TINY_CONFIG, tiny_checkpoint,
               '--topk', '100', '--device', 'cpu', '--out', picture_file,
               '--query-id', str(pid)])
    labels = [label for _, label, _ in printed_rows(
        capsys.readouterr().out)]
    assert all(label.startswith('pid ') for label in labels)
    assert f'pid {pid}' in labels
    assert frame_colors(cv2.imread(picture_file), len(labels) + 1,
                        RankListLayout()) == expected_frames(
                            labels, f'pid {pid}')


def test_search_demo_names_bad_input(tiny, tiny_checkpoint, tmp_path,
                                     write_image):
    query = str(tmp_path / 'q.png')
    write_image(query, 128, 64)
    with pytest.raises(SystemExit, match='neither a folder nor an .npz'):
        demo.main([query, str(tmp_path / 'g.txt'), tiny.TINY_CONFIG,
                   tiny_checkpoint])
    with pytest.raises(SystemExit, match=r"cannot read image '.*\.py'"):
        demo.main([__file__, str(tmp_path), tiny.TINY_CONFIG,
                   tiny_checkpoint])
