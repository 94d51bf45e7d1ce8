"""ReIDInferencer: embeddings of images, exactly as ``tools/test.py``."""
import os.path as osp
import sys
import warnings
from math import ceil
from typing import Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseModel
from mmpretrain.apis import BaseInferencer

from mmreid_dranet.utils.prefetch import prefetch
from mmreid_dranet.utils.provenance import EmbeddingProvenance
from .inputs import inputs_to_list
from .model import init_model, load_inference_config, load_state_strictly
from .model_index import list_models as _list_models
from .test_pipeline import BadImageError, TestPipeline

__all__ = ['ReIDInferencer', 'BadImageError', 'PairVerdict']


class PairVerdict(NamedTuple):
    """Whether two images show the same person.

    Attributes:
        distance (float): Their embeddings' distance (the evaluation's).
        same (bool): ``distance <= max_distance``.
        max_distance (float): The threshold applied.
        metric (str): The distance.
        label (str): The operating point, e.g. ``'FPR 1e-3'``, or
            ``'distance <= 0.8'`` for a plain number.
    """
    distance: float
    same: bool
    max_distance: float
    metric: str
    label: str


class ReIDInferencer(BaseInferencer):
    """Embed images with a trained re-ID model (mmpretrain inferencer style).

    The embeddings are the numbers ``tools/test.py --out`` writes for the
    same images: the config's test pipeline, the model's data preprocessor
    and ``ReIDModel.embed`` (``test_cfg`` flip and L2 normalisation).

    Example:
        >>> from mmreid_dranet import ReIDInferencer
        >>> inferencer = ReIDInferencer('configs/dranet/dranet_demo_synthetic.py',
        ...                             'work_dirs/dranet_demo_synthetic/epoch_24.pth')
        >>> embeddings = inferencer('data/synthetic_market/query')['embeddings']

    Args:
        model (str | Config | BaseModel): Config file, model-index name
            (:meth:`list_models`), Config, or a built model that carries its
            config as ``_config`` (as :func:`init_model` returns).
        checkpoint (str, optional): Checkpoint file. Its weights must fit
            the config's model exactly.
        device (str | torch.device, optional): Defaults to 'cuda' when
            available, else 'cpu'.
        cfg_options (dict, optional): Config overrides, e.g.
            ``{'model.test_cfg.flip': True}``.
        num_classes (int, optional): Identity count for a model built
            without a checkpoint.
    """  # noqa: E501

    def __init__(self,
                 model: Union[str, Config, BaseModel],
                 checkpoint: Optional[str] = None,
                 device: Union[str, torch.device, None] = None,
                 cfg_options: Optional[dict] = None,
                 num_classes: Optional[int] = None):
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if isinstance(model, BaseModel):
            if getattr(model, '_config', None) is None:
                raise ValueError('a model given to ReIDInferencer must carry '
                                 'its config as `_config` (use init_model)')
            if cfg_options:
                model._config = load_inference_config(model._config,
                                                      cfg_options)
            if checkpoint is not None:
                from mmreid_dranet.utils import load_checkpoint_safely
                load_state_strictly(model, load_checkpoint_safely(checkpoint),
                                    checkpoint)
                model._checkpoint = checkpoint
        else:
            model = init_model(model, checkpoint, device, cfg_options,
                               num_classes)
        super().__init__(model, pretrained=False, device=device)
        self._provenance: Optional[EmbeddingProvenance] = None

    @property
    def provenance(self) -> EmbeddingProvenance:
        """What this inferencer's embeddings depend on (config name,
        checkpoint hash, test-time flip and L2 normalisation); the
        checkpoint is hashed once, on first use."""
        if self._provenance is None:
            self._provenance = EmbeddingProvenance.from_config(
                self.model._config, getattr(self.model, '_checkpoint', None))
        return self._provenance

    def __call__(self,
                 inputs,
                 batch_size: int = 32,
                 skip_bad_files: bool = False,
                 progress: Optional[bool] = None,
                 recursive: bool = False) -> dict:
        """Embed images.

        Args:
            inputs (str | ndarray | list): An image file, a folder (its
                image files, sorted), an H x W x 3 uint8 BGR array as
                ``cv2.imread`` returns, or a list of files and arrays.
            batch_size (int): Images per forward pass. Defaults to 32.
            skip_bad_files (bool): Leave unreadable files out (listed under
                ``'skipped'``, with a warning) instead of raising. Defaults
                to False.
            progress (bool, optional): Show a progress bar. Defaults to
                True for a folder, else False.
            recursive (bool): For a folder: include sub-folders.

        Returns:
            dict: ``embeddings`` (N x D float32 ndarray, one row per embedded
            image, in input order), ``paths`` (N files; None for arrays) and
            ``skipped`` (list of ``(path, reason)``).
        """
        if isinstance(batch_size, bool) or not isinstance(
                batch_size, int) or batch_size < 1:
            raise ValueError(f'batch_size must be a positive int, got '
                             f'{batch_size!r}')
        if progress is None:
            progress = isinstance(inputs, str) and osp.isdir(inputs)
        items = inputs_to_list(inputs, recursive)
        skipped: List[Tuple[str, str]] = []
        batches = self.preprocess(items, batch_size, skipped if
                                  skip_bad_files else None)
        if progress:
            batches = _progress_bar(batches, ceil(len(items) / batch_size))
        embeddings, paths = [], []
        for data, batch_paths in prefetch(batches):
            embeddings.append(self.forward(data))
            paths.extend(batch_paths)
        return self.postprocess(embeddings, paths, skipped)

    def verify(self, a, b, threshold, metric: Optional[str] = None
               ) -> PairVerdict:
        """Same person or not: the distance of two images' embeddings
        against a threshold.

        Args:
            a, b (str | ndarray): Image files or BGR arrays.
            threshold (DistanceThreshold | str | float): A calibrated
                threshold (``calibrate_threshold.py``) or its JSON file,
                checked to be of this model; or a plain distance.
            metric (str, optional): For a plain distance:
                ``'euclidean'`` (squared, the default) or ``'cosine'``; a
                calibrated threshold brings its own (a different one here
                is an error).

        Returns:
            PairVerdict: The distance and the verdict.

        Raises:
            ProvenanceMismatchError: The threshold is of another model.
        """
        from mmreid_dranet.evaluation import compute_distance
        from .search_threshold import distance_limit
        from .threshold import DistanceThreshold
        if isinstance(threshold, str):
            threshold = DistanceThreshold.load(threshold)
        if isinstance(threshold, DistanceThreshold):
            metric = metric or threshold.metric
            limit = distance_limit(None, threshold, metric, self.provenance,
                                   "this inferencer's model")
        elif isinstance(threshold, (int, float)) and not isinstance(
                threshold, bool):
            metric = metric or 'euclidean'
            limit = distance_limit(threshold, None, metric, None)
        else:
            raise TypeError('threshold must be a DistanceThreshold, its '
                            'file, or a distance, got '
                            f'{type(threshold).__name__}')
        embeddings = torch.from_numpy(self([a, b])['embeddings'])
        distance = float(compute_distance(embeddings[:1], embeddings[1:],
                                          metric)[0, 0])
        return PairVerdict(distance, distance <= limit.max_distance,
                           limit.max_distance, metric, limit.label)

    def _init_pipeline(self, cfg: Config) -> TestPipeline:
        return TestPipeline(cfg)

    def preprocess(self, items: List[Union[str, np.ndarray]],
                   batch_size: int = 32,
                   skipped: Optional[list] = None
                   ) -> Iterator[Tuple[dict, list]]:
        """Yield collated batches and the paths (None for arrays) in them.

        Args:
            items (list): Files and arrays.
            batch_size (int): Images per batch.
            skipped (list, optional): When given, unreadable files are
                appended to it as ``(path, reason)`` instead of raising.
        """
        batch, paths = [], []
        for position, item in enumerate(items):
            if isinstance(item, np.ndarray):
                packed, path = self.pipeline.from_array(item, position), None
            else:
                try:
                    packed, path = self.pipeline.from_file(item), item
                except BadImageError as error:
                    if skipped is None:
                        raise BadImageError(
                            f'{error}. Pass skip_bad_files=True to embed '
                            'the other images and list this one under '
                            "'skipped'.") from error
                    warnings.warn(f'skipped: {error}')
                    skipped.append((item, str(error)))
                    continue
            batch.append(packed)
            paths.append(path)
            if len(batch) == batch_size:
                yield pseudo_collate(batch), paths
                batch, paths = [], []
        if batch:
            yield pseudo_collate(batch), paths

    @torch.no_grad()
    def forward(self, data: dict) -> torch.Tensor:
        """Embeddings of one collated batch (N x D), as ``test_step``
        computes them: the data preprocessor, then ``ReIDModel.embed``."""
        data = self.model.data_preprocessor(data, False)
        return self.model(data['inputs'], mode='tensor')

    def visualize(self, *args, **kwargs):
        """Embeddings have no picture of their own: draw ranked lists with
        :meth:`mmreid_dranet.apis.ReIDGallery.draw`."""
        raise NotImplementedError(
            'ReIDInferencer draws nothing; use ReIDGallery.draw for '
            'ranked-list pictures.')

    def postprocess(self, embeddings: List[torch.Tensor], paths: list,
                    skipped: list) -> dict:
        """Stack the batches into one N x D float32 array."""
        if embeddings:
            stacked = torch.cat(embeddings).float().cpu().numpy()
        else:
            stacked = np.zeros((0, 0), dtype=np.float32)
        return dict(embeddings=stacked, paths=paths, skipped=skipped)

    @staticmethod
    def list_models(pattern: Optional[str] = None) -> List[str]:
        """Model names of mmreid_dranet's model index."""
        return _list_models(pattern)


def _progress_bar(batches: Iterable, total: int) -> Iterator:
    """A rich progress bar on stderr (stdout stays for results)."""
    from rich.console import Console
    from rich.progress import track
    console = Console(stderr=True)
    yield from track(batches, 'Embedding', total=total, console=console)
    if not console.is_terminal:  # rich leaves the last line open there
        sys.stderr.write('\n')
