-- A neutralized copy must neither reach LinkedIn nor hold the production grant.
UPDATE linkedin_user_profile
   SET access_token = NULL,
       refresh_token = NULL,
       token_expires_at = NULL,
       refresh_token_expires_at = NULL,
       state = CASE WHEN state = 'draft' THEN 'draft' ELSE 'disconnected' END;

UPDATE linkedin_ad_account
   SET webhook_subscription_id = NULL;

DELETE FROM ir_config_parameter
 WHERE key = 'linkedin_leadgen.client_secret';

DELETE FROM ir_config_parameter
 WHERE key = 'linkedin_leadgen.webhook_enabled';

UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (
       SELECT res_id FROM ir_model_data
        WHERE module = 'linkedin_leadgen' AND model = 'ir.cron'
 );
