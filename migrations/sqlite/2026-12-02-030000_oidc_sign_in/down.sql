DROP TABLE oidc_sign_in_codes;
DROP TABLE oidc_links;
DROP TABLE oidc_sign_ins;
