"""atomic_write: a file is whole or absent under its final name."""
import pytest

from mmreid_dranet.utils.checkpoint import PARTIAL_SUFFIX, atomic_write


def test_write_lands_under_the_final_name_and_leaves_no_part_file(tmp_path):
    target = tmp_path / 'epoch_1.pth'
    with atomic_write(str(target)) as partial:
        assert partial == str(target) + PARTIAL_SUFFIX
        with open(partial, 'wb') as file:
            file.write(b'abc' * 1000)
        assert not target.exists()  # nothing under the name until the end
    assert target.read_bytes() == b'abc' * 1000
    assert list(tmp_path.iterdir()) == [target]


def test_interrupted_write_never_touches_the_final_name(tmp_path):
    target = tmp_path / 'best.pth'
    target.write_bytes(b'previous complete file')
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(str(target)) as partial:
            with open(partial, 'wb') as file:
                file.write(b'x' * 500)
            raise KeyboardInterrupt  # stands for a kill mid-write
    assert target.read_bytes() == b'previous complete file'
    assert (tmp_path / ('best.pth' + PARTIAL_SUFFIX)).read_bytes() == \
        b'x' * 500

    # The next write of the same name replaces the stale part file.
    with atomic_write(str(target)) as partial:
        with open(partial, 'wb') as file:
            file.write(b'new')
    assert target.read_bytes() == b'new'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['best.pth']
