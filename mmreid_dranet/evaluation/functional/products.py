"""``query @ gallery.T``: torch's ``mm`` or oneDNN, whichever is faster here.

On the CPU torch's ``mm`` / ``addmm`` call MKL, which takes a slow code
path on AMD processors, where oneDNN's float32 matmul (shipped inside
torch, kernel picked by instruction set) is about 2x faster; on Intel
processors MKL is the faster one (1.75 s against 2.11 s for a
1024 x 82161 x 2048 product on a 2-core Xeon, issue 18). So the product is
chosen by measurement on the machine it runs on: the first float32 CPU
product of a process times both on a small product of the evaluation's
shape (about 0.1 s, once per process and thread count) and keeps torch's
``mm`` unless oneDNN is clearly faster. Both accumulate in float32: their
numbers agree within float32 rounding, but not bit for bit, so a process
uses one product for every float32 CPU product (a gallery searched block
by block ranks exactly as the whole gallery).

``MMREID_PRODUCT=mm`` or ``MMREID_PRODUCT=mkldnn`` in the environment forces
one (e.g. for the same last digits on every run); ``auto`` (the default)
measures. Other devices and dtypes always use torch's ``mm`` / ``addmm``.
"""
import functools
import os
import statistics
import time
from typing import Dict, NamedTuple, Optional, Sequence

import torch

PRODUCT_ENV_VAR = 'MMREID_PRODUCT'
PRODUCTS = ('mm', 'mkldnn')
PRODUCT_CHOICES = ('auto', ) + PRODUCTS
# oneDNN is taken only if its median time is below this share of mm's: a
# measurement within noise keeps torch's own product.
ONEDNN_MAX_TIME_RATIO = 0.9
# The probe: a block of queries against many gallery rows, 1 GFLOP each
# (10-15 ms on 2 cores), 2 + 2 x 3 of them. On an AMD EPYC its oneDNN / mm
# time ratio (0.58) matched that of an MSMT17-size evaluation block,
# 204 x 82161 x 2048 (0.59-0.66); probes with a few thousand gallery rows
# did not (0.85: MKL's kernels differ there).
_PROBE_QUERY_ROWS = 64
_PROBE_GALLERY_ROWS = 8192
_PROBE_DIM = 1024
_PROBE_PAIRS = 3


class ProductChoice(NamedTuple):
    """The product a process uses for float32 CPU features, and why.

    Attributes:
        product (str): ``'mm'`` (torch's ``mm`` / ``addmm``) or
            ``'mkldnn'`` (oneDNN's ``_linear_pointwise``).
        reason (str): ``'measured'``, ``'forced'`` (by ``product`` or
            ``$MMREID_PRODUCT``) or ``'oneDNN unavailable'``.
        seconds (dict): Median seconds of the probe product for each of
            ``'mm'`` and ``'mkldnn'`` when measured, else empty.
        num_threads (int): torch's intra-op threads when chosen.
    """
    product: str
    reason: str
    seconds: Dict[str, float]
    num_threads: int


def inner_products(query: torch.Tensor,
                   gallery: torch.Tensor,
                   bias: Optional[torch.Tensor] = None,
                   product: Optional[str] = None) -> torch.Tensor:
    """``query @ gallery.T (+ bias)`` with the product chosen for the CPU.

    Args:
        query (Tensor): C x D features.
        gallery (Tensor): G x D features; used as is (a non-contiguous
            gallery is copied by each call: make it contiguous once).
        bias (Tensor, optional): G values added to every row.
        product (str, optional): ``'auto'``, ``'mm'`` or ``'mkldnn'``;
            defaults to ``$MMREID_PRODUCT``, else ``'auto'``. Applies to
            float32 CPU features only.

    Returns:
        Tensor: C x G products.
    """
    requested = requested_product(product)
    if (requested != 'mm' and query.device.type == 'cpu'
            and query.dtype == torch.float32
            and gallery.dtype == torch.float32 and query.numel()
            and gallery.numel()
            and product_choice(requested).product == 'mkldnn'):
        return _onednn_linear(query.contiguous(), gallery.contiguous(), bias)
    return _torch_product(query, gallery, bias)


def product_choice(product: Optional[str] = None) -> ProductChoice:
    """The product used for float32 CPU features, measured if not forced.

    The measurement runs once per process and thread count (cached).

    Args:
        product (str, optional): As in :func:`inner_products`.

    Returns:
        ProductChoice: The product and the reason.
    """
    requested = requested_product(product)
    num_threads = torch.get_num_threads()
    if requested == 'mm':
        return ProductChoice('mm', 'forced', {}, num_threads)
    if not _onednn_matmul_works():
        if requested == 'mkldnn':
            raise RuntimeError(
                f'{PRODUCT_ENV_VAR} or product asks for oneDNN, but this '
                f'torch ({torch.__version__}) has no working '
                'torch.ops.mkldnn._linear_pointwise')
        return ProductChoice('mm', 'oneDNN unavailable', {}, num_threads)
    if requested == 'mkldnn':
        return ProductChoice('mkldnn', 'forced', {}, num_threads)
    return _measured_choice(num_threads)


def requested_product(product: Optional[str] = None) -> str:
    """``product`` if given, else ``$MMREID_PRODUCT``, else ``'auto'``."""
    source = 'product'
    if product is None:
        product = os.environ.get(PRODUCT_ENV_VAR) or 'auto'
        source = PRODUCT_ENV_VAR
    if product not in PRODUCT_CHOICES:
        raise ValueError(f'{source} must be one of {PRODUCT_CHOICES}, got '
                         f'{product!r}')
    return product


def _torch_product(query, gallery, bias):
    if bias is None:
        return torch.mm(query, gallery.t())
    return torch.addmm(bias.unsqueeze(0), query, gallery.t())


def _onednn_linear(query, gallery, bias):
    return torch.ops.mkldnn._linear_pointwise(query, gallery, bias, 'none',
                                              [], '')


PRODUCT_FUNCTIONS = {'mm': _torch_product, 'mkldnn': _onednn_linear}


@functools.lru_cache(maxsize=None)
def _measured_choice(num_threads: int) -> ProductChoice:
    """Time both products on the probe, in pairs run back to back (in
    alternating order), so that a load change on a shared machine hits
    both sides of a pair alike; the median of the pair ratios decides."""
    # Any finite values time alike; linspace is cheaper than a generator.
    query = torch.linspace(-1, 1, _PROBE_QUERY_ROWS * _PROBE_DIM).view(
        _PROBE_QUERY_ROWS, _PROBE_DIM)
    gallery = torch.linspace(1, -1, _PROBE_GALLERY_ROWS * _PROBE_DIM).view(
        _PROBE_GALLERY_ROWS, _PROBE_DIM)
    bias = torch.linspace(0, 1, _PROBE_GALLERY_ROWS)
    times = {name: [] for name in PRODUCTS}
    for name in PRODUCTS:  # warm-up: first-call setup is not the product
        PRODUCT_FUNCTIONS[name](query, gallery, bias)
    for pair in range(_PROBE_PAIRS):
        for name in (PRODUCTS if pair % 2 == 0 else PRODUCTS[::-1]):
            start = time.perf_counter()
            PRODUCT_FUNCTIONS[name](query, gallery, bias)
            times[name].append(time.perf_counter() - start)
    seconds = {name: statistics.median(t) for name, t in times.items()}
    return ProductChoice(faster_product(times['mm'], times['mkldnn']),
                         'measured', seconds, num_threads)


def faster_product(mm_seconds: Sequence[float],
                   onednn_seconds: Sequence[float]) -> str:
    """The product to use from paired timings of both.

    Args:
        mm_seconds (Sequence[float]): Times of torch's ``mm``.
        onednn_seconds (Sequence[float]): Times of oneDNN's product, each
            measured right before or after the ``mm`` of the same index.

    Returns:
        str: ``'mkldnn'`` if the median of the pair ratios oneDNN / mm is
        below ``ONEDNN_MAX_TIME_RATIO``, else ``'mm'``.
    """
    ratio = statistics.median(
        onednn / mm for mm, onednn in zip(mm_seconds, onednn_seconds))
    return 'mkldnn' if ratio < ONEDNN_MAX_TIME_RATIO else 'mm'


@functools.lru_cache(maxsize=None)
def _onednn_matmul_works() -> bool:
    # The op is internal to torch (inductor uses it): check once that it
    # exists and gives torch.addmm's numbers before relying on it.
    if not (torch.backends.mkldnn.is_available()
            and hasattr(torch.ops.mkldnn, '_linear_pointwise')):
        return False
    gen = torch.Generator().manual_seed(0)
    query = torch.randn(5, 33, generator=gen)
    gallery = torch.randn(7, 33, generator=gen)
    bias = torch.randn(7, generator=gen)
    try:
        got = _onednn_linear(query, gallery, bias)
    except RuntimeError:
        return False
    return (got.shape == (5, 7) and got.layout == torch.strided
            and torch.allclose(got, torch.addmm(bias, query, gallery.t()),
                               rtol=1e-5, atol=1e-5))
