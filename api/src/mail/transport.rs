//! Where delivered email goes: files in `<data dir>/outbox` (the default), or an SMTP relay.
use crate::config::Settings;
use anyhow::{Context, anyhow};
use entities::outbox_message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

pub enum Transport {
    /// One `<message id>.eml` file per message.
    Files(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("FAMILY_PLAN_SMTP_URL is not a usable SMTP URL")?
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => Ok(Self::Files(settings.data_dir.join("outbox"))),
        }
    }

    /// Delivers one message. The message id doubles as the `Message-ID` header and the file
    /// name, so a message delivered twice after a crash can be recognised as the same one.
    pub async fn send(
        &self,
        from: &Mailbox,
        message: &outbox_message::Model,
    ) -> anyhow::Result<()> {
        let email = build(from, message)?;
        match self {
            Self::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .with_context(|| format!("could not create {}", dir.display()))?;
                let partial = dir.join(format!("{}.eml.partial", message.id));
                tokio::fs::write(&partial, email.formatted()).await?;
                tokio::fs::rename(&partial, dir.join(format!("{}.eml", message.id))).await?;
                Ok(())
            }
            Self::Smtp(smtp) => {
                smtp.send(email).await?;
                Ok(())
            }
        }
    }
}

fn build(from: &Mailbox, message: &outbox_message::Model) -> anyhow::Result<Message> {
    let to: Mailbox = message
        .recipient
        .parse()
        .map_err(|e| anyhow!("the recipient address is not valid: {e}"))?;
    // Plain ASCII texts go as 7bit (lines up to RFC 5322's 998 characters) so that long links
    // stay whole and clickable; anything else is encoded by lettre.
    let body = if is_plain_7bit(&message.body) {
        let crlf = message.body.replace("\r\n", "\n").replace('\n', "\r\n");
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(message.body.clone())
    };
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(format!("<{}@family-plan>", message.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(body)?)
}

fn is_plain_7bit(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii() && b != 0)
        && text
            .lines()
            .all(|line| line.len() <= 998 && !line.contains('\r'))
}
