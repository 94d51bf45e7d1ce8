"""mmreid_dranet.utils.prefetch: order, errors, early stop, look-ahead."""
import ast
import sys
import threading

import pytest

from mmreid_dranet.utils import prefetch as prefetch_module
from mmreid_dranet.utils.prefetch import prefetch


def test_items_arrive_in_order():
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))
    assert list(prefetch([])) == []


def test_producer_error_is_raised_in_the_consumer():

    def broken():
        yield 1
        raise OSError('disk gone')

    received = []
    with pytest.raises(OSError, match='disk gone'):
        for item in prefetch(broken()):
            received.append(item)
    assert received == [1]


@pytest.mark.parametrize('depth', [1, 3])
def test_producer_runs_at_most_depth_items_ahead(depth):
    produced = []

    def source():
        for i in range(20):
            produced.append(i)
            yield i

    ahead = []
    for i in prefetch(source(), depth=depth):
        ahead.append(len(produced) - (i + 1))
    # Received item i: at most `depth` items queued and one made but
    # waiting for a free slot.
    assert max(ahead) <= depth + 1
    assert len(ahead) == 20


def test_early_stop_ends_the_producer_thread():
    before = threading.active_count()
    iterator = prefetch(iter(range(1000)), depth=1)
    assert next(iterator) == 0
    iterator.close()  # joins the producer
    assert threading.active_count() == before


@pytest.mark.parametrize('depth', [0, -1, 1.5, True])
def test_bad_depth_is_named(depth):
    with pytest.raises(ValueError, match=f'depth must be a positive int, '
                       f'got {depth!r}'):
        next(prefetch([1], depth=depth))


def test_imports_only_the_standard_library():
    tree = ast.parse(open(prefetch_module.__file__).read())
    imported = {alias.name.split('.')[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split('.')[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= set(sys.stdlib_module_names)
