"""demo/search_demo.py: a query image against a folder or a saved gallery."""
import os
import os.path as osp

import cv2
import pytest

from mmreid_dranet.apis import ReIDGallery
from mmreid_dranet.visualization.ranked_list import (UNKNOWN_COLOR,
                                                     RankListLayout)
from tests.helpers.scripts import load_script

demo = load_script('demo/search_demo.py')


def printed_results(text):
    rows = [line.split() for line in text.splitlines()
            if line[:3].strip().isdigit()]
    return [(float(dist), path) for _, dist, path in rows]


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
    y, x = RankListLayout().tile_origin(1)
    assert tuple(int(c) for c in picture[y, x]) == UNKNOWN_COLOR
    # The saved gallery gives the same answer without re-embedding.
    demo.main([query, saved] + options[2:])
    assert printed_results(capsys.readouterr().out) == first


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
