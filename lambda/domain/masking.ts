/**
 * Recipients are recorded masked so that notification records and logs hold no
 * full personal data: enough to tell two recipients apart, not to contact them.
 */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const visible = local.length <= 2 ? local.slice(0, 1) : local.slice(0, 2);
  return `${visible}${'*'.repeat(Math.max(local.length - visible.length, 1))}@${domain}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `${phone.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(digits.length - 4, 0))}${digits.slice(-4)}`;
}

export function maskRecipient(channel: 'email' | 'sms' | 'push', recipient: string): string {
  if (channel === 'email') return maskEmail(recipient);
  if (channel === 'sms') return maskPhone(recipient);
  return recipient.length <= 6 ? '*'.repeat(recipient.length) : `${recipient.slice(0, 3)}***${recipient.slice(-3)}`;
}

/** Longest provider error text kept: enough to diagnose, not a dump of the provider's payload. */
export const MAX_PROVIDER_ERROR_LENGTH = 300;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE = /\+?\d[\d\s().-]{6,}\d/g;

/**
 * A provider's error text as it may be logged and stored: the recipient (an
 * address, a number, a device token) masked wherever it appears, any other email
 * address or phone-like number masked too (providers echo what they were
 * sent), cut to MAX_PROVIDER_ERROR_LENGTH characters.
 */
export function maskProviderError(text: string, channel: 'email' | 'sms' | 'push', recipient: string): string {
  let masked = recipient ? text.split(recipient).join(maskRecipient(channel, recipient)) : text;
  masked = masked.replace(EMAIL, (email) => (email.includes('*') ? email : maskEmail(email)));
  masked = masked.replace(PHONE, (phone) => maskPhone(phone));
  return masked.length > MAX_PROVIDER_ERROR_LENGTH ? `${masked.slice(0, MAX_PROVIDER_ERROR_LENGTH - 1)}…` : masked;
}
