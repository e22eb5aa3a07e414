-- 0003_reserve_attempt_function: the throttle reservation as a function, so a login's reservation costs what a read
-- of the counters did.
--
-- The reservation was one statement of about forty expressions (the policy written inline, then an outer SELECT for
-- the refused case), and PostgreSQL parsed and planned that text again on every call: on PGlite it cost three times
-- a plain read of the counters, and every login pays it. A PL/pgSQL function is parsed once per session and keeps
-- its statements' plans, so a call is a short `SELECT devauth_reserve_attempt(...)`.
--
-- The policy is the core's (`nextReservedState` / `waitAfter` / `isIdleExpired` in domain/throttle.ts), evaluated
-- against the row as ON CONFLICT locked it (the latest committed version, never a value read earlier):
-- - elapsed: seconds since the last failure, exact (numeric; timestamps hold a JavaScript Date's milliseconds);
-- - idle: elapsed >= reset_after_idle: the count restarts at 1;
-- - wait: failures >= max_consecutive -> reset_after_idle; failures < free -> 0;
--   else least(max_delay, base_delay * 2^least(failures - free, 40));
-- - an attempt is allowed when idle, when wait is 0 (within the free allowance, even for a request whose clock is
--   behind the stored failure), or when elapsed >= wait; the last failure never moves back in time.
-- A fresh key inserts 1. Concurrent reservations of one key queue on the row lock (or on the first one's insertion)
-- and each evaluates the policy against the row its predecessor committed: exactly as many win as the policy allows.
--
-- Result: reserved, and when refused the key's state as a new statement sees it (after the refusing row version
-- committed), from which the caller computes the wait with the core's `retryAfterSeconds`.

CREATE FUNCTION devauth_reserve_attempt(
  p_key text,
  p_now timestamptz,
  p_free_failures numeric,
  p_base_delay numeric,
  p_max_delay numeric,
  p_max_consecutive numeric,
  p_reset_after_idle numeric,
  OUT reserved boolean,
  OUT consecutive_failures integer,
  OUT last_failure_at timestamptz
)
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO devauth_login_attempts AS a (key, consecutive_failures, last_failure_at, expires_at)
  VALUES (p_key, 1, p_now, p_now + make_interval(secs => p_reset_after_idle::double precision))
  ON CONFLICT (key) DO UPDATE
     SET consecutive_failures = CASE
           WHEN extract(epoch FROM excluded.last_failure_at) - extract(epoch FROM a.last_failure_at) >= p_reset_after_idle
             THEN 1
           ELSE a.consecutive_failures + 1
         END,
         last_failure_at = CASE
           WHEN extract(epoch FROM excluded.last_failure_at) - extract(epoch FROM a.last_failure_at) >= p_reset_after_idle
             THEN excluded.last_failure_at
           ELSE greatest(a.last_failure_at, excluded.last_failure_at)
         END,
         expires_at = CASE
           WHEN extract(epoch FROM excluded.last_failure_at) - extract(epoch FROM a.last_failure_at) >= p_reset_after_idle
             THEN excluded.expires_at
           ELSE greatest(a.expires_at, excluded.expires_at)
         END
   WHERE extract(epoch FROM excluded.last_failure_at) - extract(epoch FROM a.last_failure_at) >= p_reset_after_idle
      OR a.consecutive_failures < least(p_free_failures, p_max_consecutive)
      OR (a.consecutive_failures < p_max_consecutive
          AND (least(p_max_delay, p_base_delay * power(2::numeric, least(a.consecutive_failures - p_free_failures, 40)))
                 = 0
               OR extract(epoch FROM excluded.last_failure_at) - extract(epoch FROM a.last_failure_at)
                 >= least(p_max_delay,
                          p_base_delay * power(2::numeric, least(a.consecutive_failures - p_free_failures, 40)))));
  IF FOUND THEN
    reserved := true;
    RETURN;
  END IF;
  reserved := false;
  SELECT s.consecutive_failures, s.last_failure_at INTO consecutive_failures, last_failure_at
    FROM devauth_login_attempts s
   WHERE s.key = p_key;
END
$$;
