"""The one image listing of the tools: flat folders and identity folders."""
import os.path as osp

import numpy as np
import pytest

from mmreid_dranet.apis.inputs import (identity_pids, inputs_to_list,
                                       list_image_folder, list_images)


def test_flat_folder_is_unlabelled(tmp_path, write_image):
    for name in ('b.jpg', 'a.png'):
        write_image(tmp_path / name)
    (tmp_path / 'Thumbs.db').write_bytes(b'x')
    listing = list_image_folder(str(tmp_path))
    assert listing.paths == [str(tmp_path / 'a.png'), str(tmp_path / 'b.jpg')]
    assert listing.identities is None and not listing.is_labelled


def test_identity_folders_are_listed_with_their_names(tmp_path, write_image):
    for rel in ('ben_0043/2.jpg', 'ben_0043/1.jpg', 'alice/0001.jpg',
                'alice/deeper/x.jpg'):
        write_image(tmp_path / rel)
    (tmp_path / 'empty').mkdir()
    listing = list_image_folder(str(tmp_path))
    assert listing.is_labelled
    assert [osp.relpath(p, tmp_path) for p in listing.paths] == [
        'alice/0001.jpg', 'ben_0043/1.jpg', 'ben_0043/2.jpg']
    assert listing.identities == ['alice', 'ben_0043', 'ben_0043']
    # The inferencer's inputs and list_images use the same listing; the
    # recursive listing goes to any depth.
    assert inputs_to_list(str(tmp_path)) == listing.paths
    assert list_images(str(tmp_path)) == listing.paths
    assert len(list_images(str(tmp_path), recursive=True)) == 4


def test_mixed_and_empty_folders_are_named(tmp_path, write_image):
    write_image(tmp_path / 'loose.jpg')
    write_image(tmp_path / 'alice' / '1.jpg')
    with pytest.raises(ValueError, match=r"both directly \('loose.jpg'\) "
                       r"and in sub-folders \('alice'/\)"):
        list_image_folder(str(tmp_path))
    empty = tmp_path / 'nothing'
    (empty / 'bob').mkdir(parents=True)
    with pytest.raises(FileNotFoundError,
                       match="no image files .* in '.*nothing', neither"):
        inputs_to_list(str(empty))
    with pytest.raises(FileNotFoundError, match='image folder not found'):
        list_image_folder(str(tmp_path / 'missing'))


def test_identity_pids_follow_the_dataset_rule():
    # Integer folder names are their numbers ...
    np.testing.assert_array_equal(identity_pids(['0001', '0001', '0042']),
                                  [1, 1, 42])
    # ... one word makes every identity a name: sorted position.
    np.testing.assert_array_equal(
        identity_pids(['ben_0043', 'alice', '0007', 'alice']), [2, 1, 0, 1])
