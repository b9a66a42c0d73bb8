"""Documents (资料): attachments on steps, callbacks, home visits, problem stages and 督办
answers; the archive check against each step's `materials`; printed notices and PDFs.

The feature owns its models, commands (changes) and queries (reads), the printed documents
(`printed`, `pdf`), API (`api.blp`), pages and templates (`pages.bp`, `templates/documents/`),
static files and Chinese words (`translations/zh/documents.po`). The core knows nothing of
it: it hears `signals.step_completing` (the archive check), answers `signals.template_hook`
(its sections on the application, problem and report pages) and
`signals.materials_on_record` (the acceptance notice is always on record). The factory
registers `api.blp`, `pages.bp` (with `pages.EVENT_WORDS`).
"""
from __future__ import annotations

from ..signals import materials_on_record, step_completing, template_hook
from . import api, models, pages
from .commands import check_before_completion

step_completing.connect(check_before_completion)
template_hook.connect(pages.on_template_hook)
materials_on_record.connect(pages.acceptance_notice_on_record)

__all__ = ["api", "models", "pages"]
