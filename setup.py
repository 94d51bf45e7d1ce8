"""Packaging for mmreid_dranet.

Configs and tools ship inside the package under ``mmreid_dranet/.mim`` (the
OpenMMLab ``mim`` convention), so ``_base_ = 'mmreid_dranet::...'`` and
``mim train mmreid_dranet ...`` work from a non-editable install too. For an
editable install the ``.mim`` entries are symbolic links to the top-level
folders; for a normal build they are copies. Such configs are read with
``mmreid_dranet.utils.load_config`` (see ``mmreid_dranet/utils/mim.py``):
importing the package does not teach mmengine the ``mmreid_dranet::`` name.
"""
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_ENTRIES = ('configs', 'tools', 'model-index.yml')


def read_version():
    namespace = {}
    with open(osp.join(HERE, 'mmreid_dranet', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


def read_requirements(name):
    """The requirement lines of requirements/NAME, ``-r`` includes
    followed."""
    path = osp.join(HERE, 'requirements', name)
    requirements = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith('-r '):
                requirements += read_requirements(line[3:].strip())
            elif line and not line.startswith('#'):
                requirements.append(line)
    return requirements


def add_mim_extension():
    """Place configs/, tools/ and model-index.yml under mmreid_dranet/.mim."""
    editable = 'develop' in sys.argv or 'editable_wheel' in sys.argv
    if not editable and not any(cmd in sys.argv for cmd in
                                ('install', 'bdist_wheel', 'sdist', 'build')):
        # e.g. `egg_info` alone: leave .mim as it is.
        return
    mim_root = osp.join(HERE, 'mmreid_dranet', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for entry in MIM_ENTRIES:
        src = osp.join(HERE, entry)
        dst = osp.join(mim_root, entry)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if not osp.exists(src):
            continue
        if editable:
            os.symlink(osp.relpath(src, mim_root), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmreid_dranet',
        version=read_version(),
        description='Person re-identification with Dual Reverse Attention '
        'Networks (DRANet) as an OpenMMLab plugin',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        keywords='person re-identification, DRANet, OpenMMLab, mmpretrain',
        packages=find_packages(exclude=('configs', 'tools', 'tests',
                                        'benchmarks')),
        include_package_data=True,
        package_data={'mmreid_dranet': ['.mim/model-index.yml',
                                        '.mim/configs/**/*.py',
                                        '.mim/configs/**/*.md',
                                        '.mim/configs/**/*.yml',
                                        '.mim/tools/**/*.py',
                                        '.mim/tools/**/*.sh',
                                        'service/static/*']},
        # The floor is set by the dependencies: numpy >= 2.0 and torch >= 2.6
        # (requirements/runtime.txt) both need Python >= 3.9. The code itself
        # uses nothing newer: no match statement, no `X | Y` annotation
        # evaluated at run time (checked by compiling every file with 3.9).
        python_requires='>=3.9',
        license='Apache License 2.0',
        install_requires=read_requirements('runtime.txt'),
        extras_require={
            'mim': read_requirements('mminstall.txt'),
            'tests': read_requirements('tests.txt'),
            'service': read_requirements('service.txt'),
            'deploy': read_requirements('deploy.txt'),
        },
        zip_safe=False,
    )
