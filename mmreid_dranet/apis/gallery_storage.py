"""How a gallery keeps its embeddings: the storage dtypes, checked input."""
import numpy as np
import torch

from mmreid_dranet.evaluation.functional.inputs import (as_feature_tensor,
                                                        row_blocks)

STORAGE_DTYPES = {'float32': torch.float32, 'float16': torch.float16}


def stored_embeddings(embeddings, dtype: str) -> torch.Tensor:
    """The embeddings in the storage dtype, checked finite; float16 input
    kept as float16 is checked block by block, never copied to float32."""
    tensor = embeddings if isinstance(embeddings, torch.Tensor) else \
        torch.as_tensor(np.asarray(embeddings))
    if dtype == 'float16' and tensor.dtype == torch.float16:
        if tensor.dim() != 2:
            raise ValueError('gallery embeddings must be a 2-D array (N x '
                             f'D), got shape {tuple(tensor.shape)}')
        for rows in row_blocks(tensor):
            as_feature_tensor(rows.float(), 'gallery embeddings')
        return tensor.detach().cpu().contiguous()
    tensor = as_feature_tensor(tensor, 'gallery embeddings').cpu()
    if dtype == 'float16':
        largest = float(tensor.abs().max()) if tensor.numel() else 0.0
        if largest > torch.finfo(torch.float16).max:
            raise ValueError(f'gallery embeddings reach {largest:.3g}, '
                             'beyond float16 (65504): use dtype="float32"')
    return tensor.to(STORAGE_DTYPES[dtype]).contiguous()


def as_queries(queries) -> torch.Tensor:
    if isinstance(queries, np.ndarray) and queries.ndim == 1:
        queries = queries[None]
    if isinstance(queries, torch.Tensor) and queries.dim() == 1:
        queries = queries[None]
    return as_feature_tensor(queries, 'queries').cpu()
