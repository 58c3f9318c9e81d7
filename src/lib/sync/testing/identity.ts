import type { MemberId } from '../../domain/ids';
import type { SigningKeyPair } from '../../doc/ed25519';
import type { Identity } from '../identity';
import { newMemberId } from '../workspace-secret';

/**
 * A fixed Ed25519 key pair for test identities: every identity carries one, and tests that do not
 * look at signatures need not wait for WebCrypto to make one. Several test members sharing it is
 * harmless where nothing checks whose key a record was signed with.
 */
export const TEST_SIGNING_KEY: SigningKeyPair = {
	publicKey: 'T7O4_rjoAsQnKL5AASULNUTcy5ds0qBiGFGBFjLkFGo',
	privateKey: '7Nc8wwM7g7Dmr6mG8o3VnqxYZY71dAv8zA4PAz4DItM'
};

/** An identity named `name`, with a new member id unless one is given. */
export function testIdentity(name: string, memberId: MemberId = newMemberId()): Identity {
	return { memberId, name, createdAt: 0, signingKey: TEST_SIGNING_KEY };
}
