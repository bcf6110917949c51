// The last cell of a rule table's row for those who may edit: Edit and Delete, Delete asking for a
// confirmation first. Shared by the rule tables (incident link rules, joint rules).
import { useI18n } from '../i18n.tsx';

export function RuleRowActions({ testId, confirming, onEdit, onAskDelete, onDelete, onCancel }: {
  /** Prefix of the buttons' test ids: `${testId}-edit`, `-delete`, `-delete-confirm`. */
  testId: string;
  confirming: boolean;
  onEdit(): void;
  onAskDelete(): void;
  onDelete(): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  return (
    <td className="action-cell">
      {confirming ? (
        <>
          <button className="button small danger" onClick={onDelete} data-testid={`${testId}-delete-confirm`}>
            {t('rules.confirmDelete')}
          </button>
          <button className="button small ghost" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </>
      ) : (
        <>
          <button className="button small" onClick={onEdit} data-testid={`${testId}-edit`}>
            {t('common.edit')}
          </button>
          <button className="button small ghost" onClick={onAskDelete} data-testid={`${testId}-delete`}>
            {t('common.delete')}
          </button>
        </>
      )}
    </td>
  );
}
