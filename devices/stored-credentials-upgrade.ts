// A one-time step at the api role's start: cameras registered before their credentials were split out
// of rtsp_url (query parameters such as ?password= before migration 0058) still hold them there in
// clear. Migrations cannot do it: they have no SECRET_KEY to encrypt with. Each camera moved is
// audited (parameter names only); once none is left, the step changes nothing.
import { recordAudit, systemActor } from '@cityops/core/audit';
import { withTransaction, type Database } from '@cityops/core/database/pool';
import type { Logger } from '@cityops/core/logger';
import type { SecretBox } from '@cityops/core/secret-box';
import { moveCredentialsOutOfStoredUrls } from './camera-repository.ts';

export async function moveStoredCameraCredentials(db: Database, secrets: SecretBox, logger: Logger): Promise<number> {
  const moved = await withTransaction(db, async (client) => {
    const cameras = await moveCredentialsOutOfStoredUrls(client, secrets);
    for (const camera of cameras) {
      await recordAudit(client, systemActor('devices'), {
        action: 'camera_credentials_moved',
        entityType: 'camera',
        entityId: camera.id,
        details: { queryParameters: camera.queryParameters, userInfo: camera.userInfo },
      });
    }
    return cameras.length;
  });
  if (moved) logger.info({ cameras: moved }, 'moved credentials stored in clear in camera URLs into encrypted columns');
  return moved;
}
