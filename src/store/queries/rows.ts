/** Lower-cases an address for lookups: the store keeps addresses in lower case. */
export const addressKey = (address: string): string => address.toLowerCase();
