-- A job attempt that resumes from checkpoint step k trains steps k+1.. again; the metrics events an earlier attempt
-- wrote for those steps are then superseded: kept (the log is history) but hidden from the default event list and
-- stream, so clients see one series that never goes backwards. The worker sets the flag, fenced by its lease, in the
-- same statement that records the resume.
ALTER TABLE job_events ADD COLUMN superseded boolean NOT NULL DEFAULT false;
