import { createRoot } from 'react-dom/client';
import 'katex/dist/katex.min.css';
import './styles.css';
import { App } from './App.tsx';
import { applyStoredTheme } from './theme.ts';

applyStoredTheme();

createRoot(document.getElementById('root')!).render(<App />);
