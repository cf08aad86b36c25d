"""The shared rate limit: two workers' limiters over one PostgreSQL database count together, and a
database that does not answer lets requests through."""

from __future__ import annotations

from bot.sessions.postgres import PostgresSessionStore
from bot.ui.limits import SharedRateLimiter, rate_limiter


def test_two_workers_share_one_window(pg_url: str) -> None:
    stores = [PostgresSessionStore(pg_url, pool_size=2) for _ in range(2)]
    try:
        limiters = [rate_limiter(3, store) for store in stores]
        assert all(isinstance(limiter, SharedRateLimiter) for limiter in limiters)
        now = 1000.0
        hits = [limiters[n % 2].hit("ip:10.0.0.1", now=now + n) for n in range(4)]
        assert hits[:3] == [None, None, None]
        assert hits[3] is not None and 56 < hits[3] <= 57  # the first hit leaves the window at 1060
        assert limiters[0].hit("ip:10.0.0.2", now=now + 4) is None  # per key
        assert limiters[1].hit("ip:10.0.0.1", now=now + 61) is None  # the first hit left the window
        with stores[0]._conn() as conn:  # keys are hashed: no client address is stored
            row = conn.execute("SELECT COUNT(*) FROM rate_hits WHERE key LIKE 'ip:%'").fetchone()
        assert row is not None and row[0] == 0
    finally:
        for store in stores:
            store.close()


def test_an_unreachable_database_lets_requests_through(pg_url: str) -> None:
    store = PostgresSessionStore(pg_url, pool_size=1, timeout_s=1)
    limiter = rate_limiter(1, store)
    store.close()  # every later query fails
    assert limiter.hit("s1") is None and limiter.hit("s1") is None
