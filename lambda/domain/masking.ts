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
