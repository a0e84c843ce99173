-- DreamScape's settings and profile row, kept beside ours in `profiles`: notification toggles,
-- privacy choices and travel lists (NULL: DreamScape's default), the free `preferences` of the
-- profile row (the dashboard's travel preferences) and nationality (the traveller category is
-- the account's `users.user_category`, migration 7).
-- `created_at` is when the profile was created (POST /users/profile/{userId}, or the first
-- avatar, bio, birth date or preferences saved); NULL while only settings are stored.
ALTER TABLE profiles ADD COLUMN deal_alerts BOOLEAN;
ALTER TABLE profiles ADD COLUMN trip_reminders BOOLEAN;
ALTER TABLE profiles ADD COLUMN price_alerts BOOLEAN;
ALTER TABLE profiles ADD COLUMN newsletter BOOLEAN;
ALTER TABLE profiles ADD COLUMN profile_visibility TEXT;
ALTER TABLE profiles ADD COLUMN data_sharing BOOLEAN;
ALTER TABLE profiles ADD COLUMN marketing BOOLEAN;
ALTER TABLE profiles ADD COLUMN travel JSONB;
ALTER TABLE profiles ADD COLUMN preferences JSONB;
ALTER TABLE profiles ADD COLUMN nationality TEXT;
ALTER TABLE profiles ADD COLUMN created_at TIMESTAMPTZ;
UPDATE profiles SET created_at = updated_at
    WHERE avatar_url IS NOT NULL OR bio IS NOT NULL OR date_of_birth IS NOT NULL;

-- DreamScape's questionnaire: answers keyed by its profile field names, the step keys marked
-- completed (in order) and a version. `steps` keeps the answers of our own six steps.
ALTER TABLE onboarding ADD COLUMN answers JSONB NOT NULL DEFAULT '{}';
ALTER TABLE onboarding ADD COLUMN completed_steps JSONB NOT NULL DEFAULT '[]';
ALTER TABLE onboarding ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
