"""Mail through the department's SMTP server: the daily digest and invitations for new users.

`smtp` reads the settings and talks to the server (the standard library's smtplib), `messages`
builds a message with a plain-text and an HTML part from templates/mail/ in the recipient's
language, `services` sends the digest (recorded in `models.SentDigest`, once a day per adviser).
Nothing is sent while MAIL_SERVER is unset.
"""
