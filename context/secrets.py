"""Files that hold secrets by their name: never indexed, completed in, or shown to a model.

`is_secret_file(path, extra)` matches the file's name (and, for patterns with
a slash, its path) against `SECRET_FILE_PATTERNS` plus the user's
`secretFiles` globs: environment files, private keys and certificates,
keystores, credential and token files of common tools, kubeconfigs. The
index skips them, completion answers nothing in them, explain and fix do
not read them, and a commit prompt names them without their content.
`inside(root, path)` says whether a path, links resolved, stays in a
folder, so no link leads a prompt out of the workspace.
"""

from __future__ import annotations

import fnmatch
import os
from functools import lru_cache

SECRET_FILE_PATTERNS = (
    ".env", ".env.*", "*.env", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.p8",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.ppk", "credentials*.json", "credentials", "*.credentials",
    "client_secret*.json", "service-account*.json", ".netrc", "_netrc", ".npmrc", ".pypirc", ".pgpass",
    ".git-credentials", ".dockercfg", "kubeconfig", "kubeconfig.*", "*.kubeconfig", ".kube/config",
    ".docker/config.json", ".aws/credentials", ".ssh/*", "secrets.yml", "secrets.yaml", "*.tfvars",
    ".htpasswd", "*.gpg",
)


def is_secret_file(path: str, extra: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether the file's name (or its path, for patterns with a `/`) says it holds secrets."""
    if not path:
        return False
    normal = path.replace("\\", "/")
    return _matches(normal.rsplit("/", 1)[-1].lower(), normal.lower(), tuple(extra))


@lru_cache(maxsize=4096)
def _matches(name: str, path: str, extra: tuple[str, ...]) -> bool:
    for pattern in SECRET_FILE_PATTERNS + extra:
        pattern = pattern.lower()
        if "/" in pattern:
            if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern.lstrip("/")):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def inside(root: str, path: str) -> bool:
    """Whether `path`, every link on the way resolved, is `root` or below it."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, path))
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)
