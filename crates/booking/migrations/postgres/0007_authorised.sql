-- What a reservation's payment holds without having taken it: a request to book is only
-- authorised until the host accepts (then captured: `paid`) or not (then released).
-- `paid` now counts captured money only.
ALTER TABLE reservations ADD COLUMN authorised BIGINT NOT NULL DEFAULT 0;

-- Until now an authorisation was recorded as `paid`. A request still waiting for its host
-- holds an authorisation only; one declined, or expired unanswered (`respond_by` is kept on
-- expiry and only requests have one), had its authorisation released and nothing captured.
UPDATE reservations SET authorised = paid, paid = 0 WHERE status = 'awaiting_host';
UPDATE reservations SET paid = 0 WHERE refunded = 0
    AND (status = 'declined' OR (status = 'expired' AND respond_by IS NOT NULL));
