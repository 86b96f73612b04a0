import { MockPaymentProvider } from './payment-provider';

const charge = (provider: MockPaymentProvider, paymentMethod?: string) =>
  provider.charge({ paymentId: 'p1', amountCents: 100, currency: 'USD', paymentMethod });

describe('mock payment provider', () => {
  it('always approves pm_card_ok and always declines pm_card_declined, whatever the rate', async () => {
    const never = new MockPaymentProvider({ successRate: 0, delayMinMs: 0, delayMaxMs: 0 });
    const always = new MockPaymentProvider({ successRate: 1, delayMinMs: 0, delayMaxMs: 0 });
    await expect(charge(never, 'pm_card_ok')).resolves.toMatchObject({ approved: true });
    await expect(charge(always, 'pm_card_declined')).resolves.toEqual({ approved: false, reason: 'card_declined' });
  });

  it('never charges a payment method it does not accept, whatever the rate', async () => {
    const always = new MockPaymentProvider({ successRate: 1, delayMinMs: 0, delayMaxMs: 0 });
    await expect(charge(always, 'pm_card_unknown')).resolves.toEqual({ approved: false, reason: 'unsupported_payment_method' });
    await expect(charge(always, 'PM_CARD_OK')).resolves.toEqual({ approved: false, reason: 'unsupported_payment_method' });
  });

  it('applies the configured success rate without a payment method', async () => {
    const rolls = [0.2, 0.95];
    const provider = new MockPaymentProvider({ successRate: 0.9, delayMinMs: 0, delayMaxMs: 0, random: () => rolls.shift() ?? 0 });
    // the first roll decides the delay (0 here), the second approval
    await expect(charge(provider)).resolves.toMatchObject({ approved: false });
  });

  it('never answers pm_card_timeout', async () => {
    const provider = new MockPaymentProvider({ successRate: 1, delayMinMs: 0, delayMaxMs: 0 });
    const outcome = await Promise.race([
      charge(provider, 'pm_card_timeout').then(() => 'answered'),
      new Promise((resolve) =>
        setTimeout(() => {
          resolve('silent');
        }, 50),
      ),
    ]);
    expect(outcome).toBe('silent');
  });
});
