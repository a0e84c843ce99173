-- DreamScape's checkout pays several reservations and supplier offers at once, under one
-- booking reference (DS-…): the group, as booking opened it.
CREATE TABLE payment_groups (
    reference TEXT NOT NULL PRIMARY KEY,
    payer BLOB NOT NULL,
    currency TEXT NOT NULL,
    total BIGINT NOT NULL,
    supplier_amount BIGINT NOT NULL,
    reservation_ids TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Which reservations each payment pays for (one for a reservation's own payment, several for a
-- group's); refunds of a reservation find its payments here.
CREATE TABLE intent_reservations (
    intent_id TEXT NOT NULL,
    reservation_id BLOB NOT NULL,
    PRIMARY KEY (intent_id, reservation_id)
);
CREATE INDEX intent_reservations_reservation ON intent_reservations (reservation_id);
INSERT INTO intent_reservations (intent_id, reservation_id) SELECT id, reservation_id FROM payment_intents;
