"""Where nnlint's own pages are on the web: the installed package's `[project.urls]`, nothing else.

nnlint is not published, and its code cannot know where a copy of its repository is hosted, so
no address is made up. Whoever builds the package names the places in `pyproject.toml`:

    [project.urls]
    Repository = "https://example.org/you/nnlint"
    Rules = "https://example.org/you/nnlint/blob/main/docs/rules/"   # the folder of CODE.md pages

and reports link there (JSON `url`, SARIF `helpUri` and `informationUri`, the editor's link on a
finding). Without them the links are left out; SARIF still carries each rule's page as `help`.
"""

from __future__ import annotations

import functools
from typing import Optional

RULES = "Rules"
REPOSITORY = "Repository"


@functools.lru_cache(maxsize=None)
def project_urls() -> dict[str, str]:
    """Label to URL, from the `Project-URL` fields of the installed `nnlint` distribution."""
    from importlib import metadata  # only reports with links need it: not on the startup path

    try:
        entries = metadata.metadata("nnlint").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return {}
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        if url.strip():
            urls[label.strip()] = url.strip()
    return urls


def rule_url(code: str) -> Optional[str]:
    """The rule's page, `docs/rules/CODE.md` under the `Rules` URL, or None when none is declared."""
    base = project_urls().get(RULES)
    return f"{base.rstrip('/')}/{code}.md" if base else None


def repository_url() -> Optional[str]:
    return project_urls().get(REPOSITORY)
