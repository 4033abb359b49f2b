-- a neutralized copy of the database must not change audiences on LinkedIn
UPDATE linkedin_audience
   SET keep_in_step = false,
       upload_pending = false;
