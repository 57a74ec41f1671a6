-- JIT compilation off for this database's sessions (issue 20). PostgreSQL compiles a statement with LLVM when its
-- estimated cost passes jit_above_cost (100,000 by default), and it does so again on every execution: tens to hundreds
-- of milliseconds of CPU per statement. The queue's fair claim (a recursive CTE over the claimable index, estimated
-- from the table's statistics) passes that threshold once the jobs table is large enough or its statistics move
-- mid-run, while it runs in about a millisecond: `perf` of the database's backends during the leased-work benchmark
-- (16 threads, 40,000 queued jobs) found 76 % of their CPU in libLLVM and claims of 300-490 ms instead of 3-5 ms
-- (docs/benchmarks.md, "Run 12"). Every statement of the platform is short OLTP work that JIT cannot pay back.
-- Applies to sessions opened after this migration; a role that does not own the database keeps the server's default
-- (a warning, not a failed migration: the setting is an optimisation, not a guarantee).
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'jit stays at the server default: this role may not ALTER DATABASE %', current_database();
END
$$;
