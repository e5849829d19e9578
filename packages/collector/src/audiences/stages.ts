// The journey stages Kith ships for shops, on Segment's e-commerce events. The first that holds names
// the stage, so the list runs from the furthest stage back: a buyer who stopped buying is "lapsed"
// before "repeat buyer", and everyone with an event is at least a "visitor".
export const DEFAULT_STAGES = [
  {
    key: 'lapsed',
    definition: "event('Order Completed').count() >= 1 AND event('Order Completed').within(180 days).count() = 0",
  },
  {
    key: 'at_risk',
    definition: "event('Order Completed').count() >= 1 AND event('Order Completed').within(90 days).count() = 0",
  },
  { key: 'repeat_buyer', definition: "event('Order Completed').count() >= 2" },
  { key: 'first_time_buyer', definition: "event('Order Completed').count() >= 1" },
  { key: 'identified', definition: "trait('user_id') != null" },
  {
    key: 'engaged',
    definition:
      "event('Product Added').within(30 days).count() >= 1 OR event('Checkout Started').within(30 days).count() >= 1 OR event('Product Viewed').within(30 days).count() >= 3",
  },
  { key: 'visitor', definition: "event('Product Viewed').count() >= 0" },
].map((stage) => ({ ...stage, marketing: false }));
