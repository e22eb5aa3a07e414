import type { CommonPasswordList } from './password-policy.js';

/**
 * The common-password list from `@zxcvbn-ts/language-common` (about 30,000 passwords from breach corpora, a
 * maintained package). It is imported on first use only, so a login-only Lambda never pays for loading it.
 */
export function zxcvbnCommonPasswords(): CommonPasswordList {
  let loading: Promise<ReadonlySet<string>> | undefined;
  const load = async (): Promise<ReadonlySet<string>> => {
    const { dictionary } = await import('@zxcvbn-ts/language-common');
    return new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
  };
  return {
    async isCommon(normalizedLowercase) {
      loading ??= load();
      loading.catch(() => {
        loading = undefined;
      });
      return (await loading).has(normalizedLowercase);
    },
  };
}

/** A fixed list, for tests or for teams that bring their own (e.g. a breached-password service adapter). */
export function staticCommonPasswords(passwords: Iterable<string>): CommonPasswordList {
  const set = new Set([...passwords].map((entry) => entry.normalize('NFKC').toLowerCase()));
  return { isCommon: async (normalizedLowercase) => set.has(normalizedLowercase) };
}
