-- A TRUNCATE ... CASCADE of organisations or files (how the suites reset their tables) reaches the review log of
-- held files through its foreign keys, and V12 refused every TRUNCATE, even of an empty log. As gate_log (V10): an
-- empty log is let be (nothing is removed), and a TRUNCATE that would remove a review is still refused.
CREATE FUNCTION file_screen_reviews_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM file_screen_reviews) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% on % refused: the review log is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;

DROP TRIGGER file_screen_reviews_no_truncate ON file_screen_reviews;
CREATE TRIGGER file_screen_reviews_no_truncate
    BEFORE TRUNCATE ON file_screen_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION file_screen_reviews_refuse_truncate();
