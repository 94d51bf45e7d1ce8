"""What a set of embeddings depends on.

A distance threshold calibrated on one model's embeddings, or a gallery
stored from them, means nothing for another model's: the distances live in
another space. :class:`EmbeddingProvenance` records what the numbers depend
on (the config, the checkpoint's content, the test-time flip and L2
normalisation), travels with every file made from embeddings (the npz of
``tools/test.py --out``, a threshold file, a gallery store), and
:meth:`EmbeddingProvenance.check_same` refuses a mix, naming both sides.

The config is recorded by its file name without folders or extension
(``dranet_r50_market``), so that a checkout moved elsewhere still matches;
the checkpoint by the SHA-256 of its bytes, so that a renamed file still
matches and a retrained one does not.
"""
import hashlib
import json
import os.path as osp
from dataclasses import asdict, dataclass, fields
from typing import Optional

# The npz key (a 0-d unicode array holding JSON) that carries the
# provenance in files of embeddings.
PROVENANCE_FILE_KEY = 'provenance'

_READ_BYTES = 1 << 20


class ProvenanceMismatchError(ValueError):
    """Numbers made from one model's embeddings applied to another's."""


@dataclass(frozen=True)
class EmbeddingProvenance:
    """What embeddings depend on.

    Args:
        config (str): The config's file name without folders and
            extension; '' when unknown.
        checkpoint_sha256 (str): SHA-256 (hex) of the checkpoint file; ''
            for a model without a checkpoint (its weights are random).
        flip (bool): Test-time flip (``model.test_cfg.flip``).
        l2_normalize (bool): Whether the embeddings are L2-normalised
            (``model.test_cfg.l2_normalize``, or the metric's
            ``normalize_features`` for a dump).
    """
    config: str
    checkpoint_sha256: str
    flip: bool
    l2_normalize: bool

    @classmethod
    def from_config(cls,
                    cfg,
                    checkpoint: Optional[str] = None,
                    normalize_features: bool = False
                    ) -> 'EmbeddingProvenance':
        """The provenance of the embeddings a config's model makes.

        Args:
            cfg (Config | dict): The config (its ``filename`` names it and
                ``model.test_cfg`` holds flip and L2 normalisation).
            checkpoint (str, optional): The checkpoint file.
            normalize_features (bool): The embeddings are L2-normalised
                after the model (a ``ReIDMetric`` option).
        """
        test_cfg = dict(cfg.get('model', {}).get('test_cfg', None) or {})
        filename = getattr(cfg, 'filename', None) or ''
        return cls(
            config=config_name(filename),
            checkpoint_sha256=file_sha256(checkpoint) if checkpoint else '',
            flip=bool(test_cfg.get('flip', False)),
            l2_normalize=bool(
                test_cfg.get('l2_normalize', False) or normalize_features))

    def to_dict(self) -> dict:
        """A JSON-ready dict of the fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, source: str = '') -> 'EmbeddingProvenance':
        """Read the dict :meth:`to_dict` wrote.

        Args:
            data (dict): The fields.
            source (str): Where the dict comes from, named in errors.

        Raises:
            ValueError: A field is missing, unknown or of the wrong type.
        """
        where = f'{source}: ' if source else ''
        if not isinstance(data, dict):
            raise ValueError(f'{where}the embedding provenance must be a '
                             f'mapping, got {type(data).__name__}')
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if name not in data]
        unknown = sorted(set(data) - set(names))
        if missing or unknown:
            raise ValueError(f'{where}the embedding provenance needs the '
                             f'keys {names}; missing {missing}, unknown '
                             f'{unknown}')
        for f in fields(cls):
            expected = str if f.type in (str, 'str') else bool
            if not isinstance(data[f.name], expected):
                raise ValueError(f'{where}provenance {f.name!r} must be '
                                 f'{expected.__name__}, got '
                                 f'{data[f.name]!r}')
        return cls(**{name: data[name] for name in names})

    def to_json(self) -> str:
        """The fields as one JSON object (sorted keys)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str = '') -> 'EmbeddingProvenance':
        """Read what :meth:`to_json` wrote (errors name ``source``)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f'{source}: the embedding provenance is not '
                             f'JSON ({error})') from None
        return cls.from_dict(data, source)

    def describe(self) -> str:
        """One line for messages, e.g. ``config dranet_r50_market,
        checkpoint 3f2a9c1e0b7d, flip off, L2 on``."""
        checkpoint = (self.checkpoint_sha256[:12]
                      if self.checkpoint_sha256 else 'none (random weights)')
        return (f'config {self.config or "unknown"}, checkpoint '
                f'{checkpoint}, flip {"on" if self.flip else "off"}, L2 '
                f'{"on" if self.l2_normalize else "off"}')

    def check_same(self, other: 'EmbeddingProvenance', this: str,
                   that: str) -> None:
        """Refuse to combine numbers of two different models.

        Args:
            other (EmbeddingProvenance): The other side.
            this, that (str): What each side is, for the message (e.g.
                ``'threshold.json'`` and ``'the model'``).

        Raises:
            ProvenanceMismatchError: Any field differs; the message names
                both sides and every differing field.
        """
        differ = [
            f'{f.name}: {getattr(self, f.name)!r} vs '
            f'{getattr(other, f.name)!r}' for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]
        if differ:
            raise ProvenanceMismatchError(
                f'{this} was made from other embeddings than {that} '
                f'({"; ".join(differ)}): {this} has {self.describe()}, '
                f'{that} has {other.describe()}. Calibrate or build it '
                'again with this model.')


def config_name(filename: str) -> str:
    """A config's name: its file name without folders and extension."""
    return osp.splitext(osp.basename(filename or ''))[0]


def file_sha256(path: str) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB pieces.

    Raises:
        FileNotFoundError: ``path`` is not a file (named).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for piece in iter(lambda: f.read(_READ_BYTES), b''):
            digest.update(piece)
    return digest.hexdigest()
