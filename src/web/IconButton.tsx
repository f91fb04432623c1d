/** A button drawn as an icon: its label is both the tooltip and the accessible name; `showLabel` writes it beside the icon too. */
import { useState, type ButtonHTMLAttributes } from 'react';
import { Check, Copy, type LucideIcon } from 'lucide-react';

interface Props extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children'> {
  icon: LucideIcon;
  label: string;
  /** Set for a toggle: shown pressed, and announced as pressed or not. */
  isPressed?: boolean;
  showLabel?: boolean;
}

export function IconButton({ icon: Icon, label, isPressed, showLabel = false, className = '', ...rest }: Props) {
  return (
    <button type="button" className={`icon-button${showLabel ? ' with-label' : ''} ${className}`.trim()} title={label} aria-label={label} aria-pressed={isPressed} {...rest}>
      <Icon size={18} strokeWidth={1.9} aria-hidden="true" />
      {showLabel && <span>{label}</span>}
    </button>
  );
}

/** Copies the text it is given, and says so for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: () => string; label?: string }) {
  const [isCopied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(text()).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return <IconButton icon={isCopied ? Check : Copy} label={isCopied ? 'Copied' : label} onClick={copy} className="quiet" />;
}
