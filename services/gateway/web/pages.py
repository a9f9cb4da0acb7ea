"""Web pages (placeholder until the pages module is written)."""


class PageRoutes:
    pass
