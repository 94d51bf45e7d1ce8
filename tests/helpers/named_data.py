"""A user's own data in named identity folders, made from synthetic data."""
import os
import os.path as osp
import shutil

from mmreid_dranet.datasets import Market1501

WORDS = ['zoe', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace',
         'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy']


def named_folders_from_market(market_root, out_root, words=WORDS,
                              parts=('train', 'query', 'gallery')):
    """Copy a Market-layout set into train/<name>/, query/<name>/ and
    gallery/<name>/ folders (the ``parts`` asked for), identities named by
    ``words`` in order of appearance (distractors and junk left out).
    Returns {pid: name}."""
    name_of = {}
    for dst in parts:
        for item in Market1501(market_root, split='train' if dst == 'train'
                               else dst).load_part(dst):
            if item.pid <= 0:
                continue
            name = name_of.setdefault(item.pid, words[len(name_of)])
            folder = osp.join(out_root, dst, name)
            os.makedirs(folder, exist_ok=True)
            shutil.copy(item.img_path, folder)
    return name_of
